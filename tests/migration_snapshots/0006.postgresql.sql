column alembic_version | version_num | character varying | 32 | NO | None
column annotator | active | boolean | None | NO | None
column annotator | created_at | timestamp with time zone | None | NO | None
column annotator | id | integer | None | NO | nextval('annotator_id_seq'::regclass)
column annotator | name | character varying | 100 | NO | None
column annotator | qualification | character varying | 16 | NO | None
column annotator | role | character varying | 16 | NO | None
column annotator | secret_hash | character varying | 200 | YES | None
column broken_report | annotator_id | integer | None | NO | None
column broken_report | clip_id | integer | None | NO | None
column broken_report | created_at | timestamp with time zone | None | NO | None
column broken_report | id | integer | None | NO | nextval('broken_report_id_seq'::regclass)
column broken_report | reason | character varying | 500 | YES | None
column broken_report | resolution | character varying | 16 | YES | None
column broken_report | resolved_at | timestamp with time zone | None | YES | None
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
column clip_queue | clip_id | integer | None | NO | None
column clip_queue | votes | integer | None | NO | None
column gold_clip | added_by | integer | None | YES | None
column gold_clip | clip_id | integer | None | NO | None
column gold_clip | created_at | timestamp with time zone | None | NO | None
column gold_clip | emotion | integer | None | NO | None
column gold_clip | example | boolean | None | NO | None
column lease | annotator_id | integer | None | NO | None
column lease | clip_id | integer | None | NO | None
column lease | closed_at | timestamp with time zone | None | YES | None
column lease | expires_at | timestamp with time zone | None | NO | None
column lease | id | integer | None | NO | nextval('lease_id_seq'::regclass)
column lease | issued_at | timestamp with time zone | None | NO | None
column lease | outcome | character varying | 16 | YES | None
column login_session | annotator_id | integer | None | NO | None
column login_session | created_at | timestamp with time zone | None | NO | None
column login_session | ended_at | timestamp with time zone | None | YES | None
column login_session | expires_at | timestamp with time zone | None | NO | None
column login_session | id | integer | None | NO | nextval('login_session_id_seq'::regclass)
column login_session | token_hash | character varying | 64 | NO | None
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
column quiz_answer | answered_at | timestamp with time zone | None | YES | None
column quiz_answer | attempt_id | integer | None | NO | None
column quiz_answer | clip_id | integer | None | NO | None
column quiz_answer | correct | boolean | None | YES | None
column quiz_answer | emotion | integer | None | YES | None
column quiz_answer | id | integer | None | NO | nextval('quiz_answer_id_seq'::regclass)
column quiz_answer | position | integer | None | NO | None
column quiz_attempt | annotator_id | integer | None | NO | None
column quiz_attempt | finished_at | timestamp with time zone | None | YES | None
column quiz_attempt | id | integer | None | NO | nextval('quiz_attempt_id_seq'::regclass)
column quiz_attempt | n_correct | integer | None | YES | None
column quiz_attempt | n_questions | integer | None | NO | None
column quiz_attempt | pass_mark | double precision | None | NO | None
column quiz_attempt | passed | boolean | None | YES | None
column quiz_attempt | started_at | timestamp with time zone | None | NO | None
column release_number | clip_id | integer | None | NO | None
column release_number | number | integer | None | NO | None
column screening | claim_expires_at | timestamp with time zone | None | NO | None
column screening | claimed_at | timestamp with time zone | None | NO | None
column screening | clip_id | integer | None | NO | None
column screening | decided_at | timestamp with time zone | None | YES | None
column screening | decision | character varying | 16 | YES | None
column screening | reason | character varying | 300 | YES | None
column screening | reviewer_id | integer | None | NO | None
column store_settings | id | integer | None | NO | nextval('store_settings_id_seq'::regclass)
column store_settings | quota | integer | None | NO | None
column store_settings | votes_per_clip | integer | None | NO | None
column vote | annotator_id | integer | None | NO | None
column vote | clip_id | integer | None | NO | None
column vote | created_at | timestamp with time zone | None | NO | None
column vote | emotion | integer | None | NO | None
column vote | id | integer | None | NO | nextval('vote_id_seq'::regclass)
column vote | seconds | double precision | None | YES | None
column vote_change | annotator_id | integer | None | NO | None
column vote_change | created_at | timestamp with time zone | None | NO | None
column vote_change | id | integer | None | NO | nextval('vote_change_id_seq'::regclass)
column vote_change | new_emotion | integer | None | NO | None
column vote_change | old_emotion | integer | None | NO | None
column vote_change | vote_id | integer | None | NO | None
constraint alembic_version | alembic_version_pkc | PRIMARY KEY (version_num)
constraint annotator | ck_annotator_qualification | CHECK (((qualification)::text = ANY ((ARRAY['pending'::character varying, 'qualified'::character varying, 'imported'::character varying])::text[])))
constraint annotator | ck_annotator_role | CHECK (((role)::text = ANY ((ARRAY['annotator'::character varying, 'reviewer'::character varying, 'admin'::character varying])::text[])))
constraint annotator | pk_annotator | PRIMARY KEY (id)
constraint annotator | uq_annotator_name | UNIQUE (name)
constraint broken_report | ck_broken_report_resolution | CHECK (((resolution IS NULL) OR ((resolution)::text = ANY ((ARRAY['rejected'::character varying, 'kept'::character varying])::text[]))))
constraint broken_report | fk_broken_report_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint broken_report | fk_broken_report_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint broken_report | pk_broken_report | PRIMARY KEY (id)
constraint broken_report | uq_broken_report_clip_annotator | UNIQUE (clip_id, annotator_id)
constraint clip | ck_clip_fold | CHECK (((release_fold IS NULL) OR (release_fold >= 1)))
constraint clip | ck_clip_label | CHECK (((release_label IS NULL) OR ((release_label >= 0) AND (release_label <= 7))))
constraint clip | ck_clip_source | CHECK (((source)::text = ANY ((ARRAY['auto'::character varying, 'manual'::character varying, 'imported'::character varying])::text[])))
constraint clip | ck_clip_span | CHECK (((end_s IS NULL) OR (start_s IS NULL) OR (end_s > start_s)))
constraint clip | ck_clip_status | CHECK (((status)::text = ANY ((ARRAY['candidate'::character varying, 'accepted'::character varying, 'rejected'::character varying, 'complete'::character varying])::text[])))
constraint clip | ck_clip_suggested_emotion | CHECK (((suggested_emotion IS NULL) OR ((suggested_emotion >= 1) AND (suggested_emotion <= 7))))
constraint clip | fk_clip_movie_id_movie | FOREIGN KEY (movie_id) REFERENCES movie(id) ON DELETE RESTRICT
constraint clip | pk_clip | PRIMARY KEY (id)
constraint clip | uq_clip_name | UNIQUE (name)
constraint clip_queue | ck_clip_queue_votes | CHECK ((votes >= 0))
constraint clip_queue | fk_clip_queue_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE CASCADE
constraint clip_queue | pk_clip_queue | PRIMARY KEY (clip_id)
constraint gold_clip | ck_gold_clip_emotion | CHECK (((emotion >= 1) AND (emotion <= 7)))
constraint gold_clip | fk_gold_clip_added_by_annotator | FOREIGN KEY (added_by) REFERENCES annotator(id) ON DELETE RESTRICT
constraint gold_clip | fk_gold_clip_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint gold_clip | pk_gold_clip | PRIMARY KEY (clip_id)
constraint lease | ck_lease_expiry | CHECK ((expires_at > issued_at))
constraint lease | ck_lease_outcome | CHECK ((((closed_at IS NULL) AND (outcome IS NULL)) OR ((closed_at IS NOT NULL) AND ((outcome)::text = ANY ((ARRAY['voted'::character varying, 'broken'::character varying, 'released'::character varying])::text[])))))
constraint lease | fk_lease_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint lease | fk_lease_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint lease | pk_lease | PRIMARY KEY (id)
constraint lease | uq_lease_clip_annotator | UNIQUE (clip_id, annotator_id)
constraint login_session | fk_login_session_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint login_session | pk_login_session | PRIMARY KEY (id)
constraint login_session | uq_login_session_token_hash | UNIQUE (token_hash)
constraint movie | pk_movie | PRIMARY KEY (id)
constraint movie | uq_movie_content_hash | UNIQUE (content_hash)
constraint quiz_answer | ck_quiz_answer_emotion | CHECK (((emotion IS NULL) OR ((emotion >= 1) AND (emotion <= 7))))
constraint quiz_answer | fk_quiz_answer_attempt_id_quiz_attempt | FOREIGN KEY (attempt_id) REFERENCES quiz_attempt(id) ON DELETE RESTRICT
constraint quiz_answer | fk_quiz_answer_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint quiz_answer | pk_quiz_answer | PRIMARY KEY (id)
constraint quiz_answer | uq_quiz_answer_attempt_clip | UNIQUE (attempt_id, clip_id)
constraint quiz_answer | uq_quiz_answer_attempt_position | UNIQUE (attempt_id, "position")
constraint quiz_attempt | ck_quiz_attempt_n_questions | CHECK ((n_questions >= 1))
constraint quiz_attempt | ck_quiz_attempt_pass_mark | CHECK (((pass_mark > (0)::double precision) AND (pass_mark <= (1)::double precision)))
constraint quiz_attempt | fk_quiz_attempt_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint quiz_attempt | pk_quiz_attempt | PRIMARY KEY (id)
constraint release_number | ck_release_number_number | CHECK ((number >= 1))
constraint release_number | fk_release_number_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint release_number | pk_release_number | PRIMARY KEY (clip_id)
constraint release_number | uq_release_number_number | UNIQUE (number)
constraint screening | ck_screening_decision | CHECK (((decision IS NULL) OR ((decision)::text = ANY ((ARRAY['accepted'::character varying, 'rejected'::character varying])::text[]))))
constraint screening | fk_screening_clip_id_clip | FOREIGN KEY (clip_id) REFERENCES clip(id) ON DELETE RESTRICT
constraint screening | fk_screening_reviewer_id_annotator | FOREIGN KEY (reviewer_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint screening | pk_screening | PRIMARY KEY (clip_id)
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
constraint vote | vote_settle | TRIGGER DEFERRABLE INITIALLY DEFERRED
constraint vote_change | ck_vote_change_new_emotion | CHECK (((new_emotion >= 1) AND (new_emotion <= 7)))
constraint vote_change | ck_vote_change_old_emotion | CHECK (((old_emotion >= 1) AND (old_emotion <= 7)))
constraint vote_change | fk_vote_change_annotator_id_annotator | FOREIGN KEY (annotator_id) REFERENCES annotator(id) ON DELETE RESTRICT
constraint vote_change | fk_vote_change_vote_id_vote | FOREIGN KEY (vote_id) REFERENCES vote(id) ON DELETE RESTRICT
constraint vote_change | pk_vote_change | PRIMARY KEY (id)
index alembic_version | alembic_version_pkc | CREATE UNIQUE INDEX alembic_version_pkc ON public.alembic_version USING btree (version_num)
index annotator | pk_annotator | CREATE UNIQUE INDEX pk_annotator ON public.annotator USING btree (id)
index annotator | uq_annotator_name | CREATE UNIQUE INDEX uq_annotator_name ON public.annotator USING btree (name)
index broken_report | pk_broken_report | CREATE UNIQUE INDEX pk_broken_report ON public.broken_report USING btree (id)
index broken_report | uq_broken_report_clip_annotator | CREATE UNIQUE INDEX uq_broken_report_clip_annotator ON public.broken_report USING btree (clip_id, annotator_id)
index clip | ix_clip_movie_status | CREATE INDEX ix_clip_movie_status ON public.clip USING btree (movie_id, status)
index clip | pk_clip | CREATE UNIQUE INDEX pk_clip ON public.clip USING btree (id)
index clip | uq_clip_name | CREATE UNIQUE INDEX uq_clip_name ON public.clip USING btree (name)
index clip_queue | ix_clip_queue_votes | CREATE INDEX ix_clip_queue_votes ON public.clip_queue USING btree (votes, clip_id)
index clip_queue | pk_clip_queue | CREATE UNIQUE INDEX pk_clip_queue ON public.clip_queue USING btree (clip_id)
index gold_clip | pk_gold_clip | CREATE UNIQUE INDEX pk_gold_clip ON public.gold_clip USING btree (clip_id)
index lease | ix_lease_annotator_id | CREATE INDEX ix_lease_annotator_id ON public.lease USING btree (annotator_id)
index lease | pk_lease | CREATE UNIQUE INDEX pk_lease ON public.lease USING btree (id)
index lease | uq_lease_clip_annotator | CREATE UNIQUE INDEX uq_lease_clip_annotator ON public.lease USING btree (clip_id, annotator_id)
index login_session | ix_login_session_annotator_id | CREATE INDEX ix_login_session_annotator_id ON public.login_session USING btree (annotator_id)
index login_session | pk_login_session | CREATE UNIQUE INDEX pk_login_session ON public.login_session USING btree (id)
index login_session | uq_login_session_token_hash | CREATE UNIQUE INDEX uq_login_session_token_hash ON public.login_session USING btree (token_hash)
index movie | pk_movie | CREATE UNIQUE INDEX pk_movie ON public.movie USING btree (id)
index movie | uq_movie_content_hash | CREATE UNIQUE INDEX uq_movie_content_hash ON public.movie USING btree (content_hash)
index quiz_answer | pk_quiz_answer | CREATE UNIQUE INDEX pk_quiz_answer ON public.quiz_answer USING btree (id)
index quiz_answer | uq_quiz_answer_attempt_clip | CREATE UNIQUE INDEX uq_quiz_answer_attempt_clip ON public.quiz_answer USING btree (attempt_id, clip_id)
index quiz_answer | uq_quiz_answer_attempt_position | CREATE UNIQUE INDEX uq_quiz_answer_attempt_position ON public.quiz_answer USING btree (attempt_id, "position")
index quiz_attempt | ix_quiz_attempt_annotator_id | CREATE INDEX ix_quiz_attempt_annotator_id ON public.quiz_attempt USING btree (annotator_id)
index quiz_attempt | pk_quiz_attempt | CREATE UNIQUE INDEX pk_quiz_attempt ON public.quiz_attempt USING btree (id)
index release_number | pk_release_number | CREATE UNIQUE INDEX pk_release_number ON public.release_number USING btree (clip_id)
index release_number | uq_release_number_number | CREATE UNIQUE INDEX uq_release_number_number ON public.release_number USING btree (number)
index screening | pk_screening | CREATE UNIQUE INDEX pk_screening ON public.screening USING btree (clip_id)
index store_settings | pk_store_settings | CREATE UNIQUE INDEX pk_store_settings ON public.store_settings USING btree (id)
index vote | ix_vote_annotator_id | CREATE INDEX ix_vote_annotator_id ON public.vote USING btree (annotator_id)
index vote | ix_vote_clip_id | CREATE INDEX ix_vote_clip_id ON public.vote USING btree (clip_id)
index vote | pk_vote | CREATE UNIQUE INDEX pk_vote ON public.vote USING btree (id)
index vote | uq_vote_clip_annotator | CREATE UNIQUE INDEX uq_vote_clip_annotator ON public.vote USING btree (clip_id, annotator_id)
index vote_change | ix_vote_change_annotator_id | CREATE INDEX ix_vote_change_annotator_id ON public.vote_change USING btree (annotator_id)
index vote_change | ix_vote_change_vote_id | CREATE INDEX ix_vote_change_vote_id ON public.vote_change USING btree (vote_id)
index vote_change | pk_vote_change | CREATE UNIQUE INDEX pk_vote_change ON public.vote_change USING btree (id)
trigger clip | clip_queue_clip | CREATE TRIGGER clip_queue_clip AFTER INSERT OR UPDATE OF status ON public.clip FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_clip()
trigger clip | clip_quota | CREATE TRIGGER clip_quota BEFORE INSERT OR UPDATE OF status, movie_id ON public.clip FOR EACH ROW EXECUTE FUNCTION dfew_clip_quota()
trigger lease | lease_cap | CREATE TRIGGER lease_cap BEFORE INSERT ON public.lease FOR EACH ROW EXECUTE FUNCTION dfew_lease_cap()
trigger vote | clip_queue_vote | CREATE TRIGGER clip_queue_vote AFTER DELETE OR UPDATE OF clip_id ON public.vote FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()
trigger vote | vote_settle | CREATE CONSTRAINT TRIGGER vote_settle AFTER INSERT ON public.vote DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dfew_vote_settle()
function dfew_clip_queue_clip | CREATE OR REPLACE FUNCTION public.dfew_clip_queue_clip()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
                RETURN NULL;
            END IF;
            DELETE FROM clip_queue WHERE clip_id = NEW.id;
        END IF;
        INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted';
        RETURN NULL;
    END $function$

function dfew_clip_queue_vote | CREATE OR REPLACE FUNCTION public.dfew_clip_queue_vote()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id;
        END IF;
        RETURN NULL;
    END $function$

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

function dfew_lease_cap | CREATE OR REPLACE FUNCTION public.dfew_lease_cap()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR NO KEY UPDATE;
        IF (SELECT status FROM clip WHERE id = NEW.clip_id) IS DISTINCT FROM 'accepted' THEN
            RAISE EXCEPTION 'dfew:lease_clip_state' USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) + (SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL AND expires_at > NEW.issued_at) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:lease_cap' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $function$

function dfew_vote_settle | CREATE OR REPLACE FUNCTION public.dfew_vote_settle()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    DECLARE
        counted integer;
        cap integer := (SELECT votes_per_clip FROM store_settings WHERE id = 1);
    BEGIN
        UPDATE clip_queue SET votes = clip_queue.votes + 1 WHERE clip_id = NEW.clip_id RETURNING clip_queue.votes INTO counted;
        IF NOT FOUND THEN
            PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR NO KEY UPDATE;
            UPDATE clip_queue SET votes = clip_queue.votes + 1 WHERE clip_id = NEW.clip_id RETURNING clip_queue.votes INTO counted;
            IF NOT FOUND THEN
                counted := (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id);
            END IF;
        END IF;
        IF counted > cap THEN
            RAISE EXCEPTION 'dfew:vote_cap' USING ERRCODE = 'check_violation';
        END IF;
        IF counted = cap THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $function$

