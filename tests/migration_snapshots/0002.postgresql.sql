column alembic_version | version_num | character varying | 32 | NO | None
column annotator | active | boolean | None | NO | None
column annotator | created_at | timestamp with time zone | None | NO | None
column annotator | id | integer | None | NO | nextval('annotator_id_seq'::regclass)
column annotator | name | character varying | 100 | NO | None
column annotator | qualification | character varying | 16 | NO | None
column annotator | role | character varying | 16 | NO | None
column annotator | secret_hash | character varying | 200 | YES | None
column clip | bucket | character varying | 8 | YES | None
column clip | created_at | timestamp with time zone | None | NO | None
column clip | end_frame | integer | None | YES | None
column clip | end_s | double precision | None | YES | None
column clip | extractor | character varying | 100 | YES | None
column clip | face_ratio | double precision | None | YES | None
column clip | file_hash | character varying | 64 | YES | None
column clip | id | integer | None | NO | nextval('clip_id_seq'::regclass)
column clip | movie_id | integer | None | YES | None
column clip | name | character varying | 200 | NO | None
column clip | path | character varying | 1000 | YES | None
column clip | provenance | json | None | YES | None
column clip | release_fold | integer | None | YES | None
column clip | release_label | integer | None | YES | None
column clip | source | character varying | 16 | NO | None
column clip | start_frame | integer | None | YES | None
column clip | start_s | double precision | None | YES | None
column clip | status | character varying | 16 | NO | None
column clip | suggested_emotion | integer | None | YES | None
column movie | content_hash | character varying | 64 | YES | None
column movie | created_at | timestamp with time zone | None | NO | None
column movie | duration_s | double precision | None | YES | None
column movie | extract_error | character varying | 1000 | YES | None
column movie | extract_status | character varying | 16 | YES | None
column movie | extracted_at | timestamp with time zone | None | YES | None
column movie | extraction | json | None | YES | None
column movie | fps | double precision | None | YES | None
column movie | frame_count | integer | None | YES | None
column movie | has_audio | boolean | None | YES | None
column movie | height | integer | None | YES | None
column movie | id | integer | None | NO | nextval('movie_id_seq'::regclass)
column movie | path | character varying | 1000 | YES | None
column movie | size_bytes | bigint | None | YES | None
column movie | title | character varying | 300 | NO | None
column movie | width | integer | None | YES | None
column store_settings | id | integer | None | NO | nextval('store_settings_id_seq'::regclass)
column store_settings | quota | integer | None | NO | None
column store_settings | votes_per_clip | integer | None | NO | None
column vote | annotator_id | integer | None | NO | None
column vote | clip_id | integer | None | NO | None
column vote | created_at | timestamp with time zone | None | NO | None
column vote | emotion | integer | None | NO | None
column vote | id | integer | None | NO | nextval('vote_id_seq'::regclass)
column vote | seconds | double precision | None | YES | None
constraint alembic_version | alembic_version_pkc | PRIMARY KEY (version_num)
constraint annotator | ck_annotator_qualification | CHECK (((qualification)::text = ANY ((ARRAY['pending'::character varying, 'qualified'::character varying, 'imported'::character varying])::text[])))
constraint annotator | ck_annotator_role | CHECK (((role)::text = ANY ((ARRAY['annotator'::character varying, 'reviewer'::character varying, 'admin'::character varying])::text[])))
constraint annotator | pk_annotator | PRIMARY KEY (id)
constraint annotator | uq_annotator_name | UNIQUE (name)
constraint clip | ck_clip_fold | CHECK (((release_fold IS NULL) OR (release_fold >= 1)))
constraint clip | ck_clip_label | CHECK (((release_label IS NULL) OR ((release_label >= 0) AND (release_label <= 7))))
constraint clip | ck_clip_source | CHECK (((source)::text = ANY ((ARRAY['auto'::character varying, 'manual'::character varying, 'imported'::character varying])::text[])))
constraint clip | ck_clip_span | CHECK (((end_s IS NULL) OR (start_s IS NULL) OR (end_s > start_s)))
constraint clip | ck_clip_status | CHECK (((status)::text = ANY ((ARRAY['candidate'::character varying, 'accepted'::character varying, 'rejected'::character varying, 'complete'::character varying])::text[])))
constraint clip | ck_clip_suggested_emotion | CHECK (((suggested_emotion IS NULL) OR ((suggested_emotion >= 1) AND (suggested_emotion <= 7))))
constraint clip | fk_clip_movie_id_movie | FOREIGN KEY (movie_id) REFERENCES movie(id) ON DELETE RESTRICT
constraint clip | pk_clip | PRIMARY KEY (id)
constraint clip | uq_clip_name | UNIQUE (name)
constraint movie | pk_movie | PRIMARY KEY (id)
constraint movie | uq_movie_content_hash | UNIQUE (content_hash)
constraint store_settings | ck_store_settings_quota | CHECK ((quota >= 1))
constraint store_settings | ck_store_settings_single_row | CHECK ((id = 1))
constraint store_settings | ck_store_settings_votes_per_clip | CHECK ((votes_per_clip >= 2))
constraint store_settings | pk_store_settings | PRIMARY KEY (id)
constraint vote | ck_vote_emotion | CHECK (((emotion >= 1) AND (emotion <= 7)))
constraint vote | ck_vote_seconds | CHECK (((seconds IS NULL) OR (seconds >= (0)::double precision)))
constraint vote | fk_vote_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint vote | fk_vote_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint vote | pk_vote | PRIMARY KEY (id)
constraint vote | uq_vote_clip_annotator | UNIQUE (clip_id, annotator_id)
index alembic_version | alembic_version_pkc | CREATE UNIQUE INDEX alembic_version_pkc ON public.alembic_version USING btree (version_num)
index annotator | pk_annotator | CREATE UNIQUE INDEX pk_annotator ON public.annotator USING btree (id)
index annotator | uq_annotator_name | CREATE UNIQUE INDEX uq_annotator_name ON public.annotator USING btree (name)
index clip | ix_clip_movie_status | CREATE INDEX ix_clip_movie_status ON public.clip USING btree (movie_id, status)
index clip | pk_clip | CREATE UNIQUE INDEX pk_clip ON public.clip USING btree (id)
index clip | uq_clip_name | CREATE UNIQUE INDEX uq_clip_name ON public.clip USING btree (name)
index movie | pk_movie | CREATE UNIQUE INDEX pk_movie ON public.movie USING btree (id)
index movie | uq_movie_content_hash | CREATE UNIQUE INDEX uq_movie_content_hash ON public.movie USING btree (content_hash)
index store_settings | pk_store_settings | CREATE UNIQUE INDEX pk_store_settings ON public.store_settings USING btree (id)
index vote | ix_vote_annotator_id | CREATE INDEX ix_vote_annotator_id ON public.vote USING btree (annotator_id)
index vote | ix_vote_clip_id | CREATE INDEX ix_vote_clip_id ON public.vote USING btree (clip_id)
index vote | pk_vote | CREATE UNIQUE INDEX pk_vote ON public.vote USING btree (id)
index vote | uq_vote_clip_annotator | CREATE UNIQUE INDEX uq_vote_clip_annotator ON public.vote USING btree (clip_id, annotator_id)
trigger clip | clip_quota | CREATE TRIGGER clip_quota BEFORE INSERT OR UPDATE OF status, movie_id ON public.clip FOR EACH ROW EXECUTE FUNCTION dfew_clip_quota()
trigger vote | vote_cap | CREATE TRIGGER vote_cap BEFORE INSERT ON public.vote FOR EACH ROW EXECUTE FUNCTION dfew_vote_cap()
trigger vote | vote_completes_clip | CREATE TRIGGER vote_completes_clip AFTER INSERT ON public.vote FOR EACH ROW EXECUTE FUNCTION dfew_vote_completes_clip()
function dfew_clip_quota | CREATE OR REPLACE FUNCTION public.dfew_clip_quota()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        IF NEW.movie_id IS NULL OR NEW.status = 'rejected' THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status <> 'rejected'
                AND OLD.movie_id IS NOT DISTINCT FROM NEW.movie_id THEN
            RETURN NEW;
        END IF;
        PERFORM 1 FROM movie WHERE id = NEW.movie_id FOR UPDATE;
        IF (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:quota' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $function$

function dfew_vote_cap | CREATE OR REPLACE FUNCTION public.dfew_vote_cap()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR UPDATE;
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:vote_cap' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $function$

function dfew_vote_completes_clip | CREATE OR REPLACE FUNCTION public.dfew_vote_completes_clip()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $function$

