index ix_clip_movie_status ON clip:
CREATE INDEX ix_clip_movie_status ON clip (movie_id, status)

index ix_clip_queue_votes ON clip_queue:
CREATE INDEX ix_clip_queue_votes ON clip_queue (votes, clip_id)

index ix_lease_annotator_id ON lease:
CREATE INDEX ix_lease_annotator_id ON lease (annotator_id)

index ix_login_session_annotator_id ON login_session:
CREATE INDEX ix_login_session_annotator_id ON login_session (annotator_id)

index ix_quiz_attempt_annotator_id ON quiz_attempt:
CREATE INDEX ix_quiz_attempt_annotator_id ON quiz_attempt (annotator_id)

index ix_vote_annotator_id ON vote:
CREATE INDEX ix_vote_annotator_id ON vote (annotator_id)

index ix_vote_change_annotator_id ON vote_change:
CREATE INDEX ix_vote_change_annotator_id ON vote_change (annotator_id)

index ix_vote_change_vote_id ON vote_change:
CREATE INDEX ix_vote_change_vote_id ON vote_change (vote_id)

index ix_vote_clip_id ON vote:
CREATE INDEX ix_vote_clip_id ON vote (clip_id)

table alembic_version ON alembic_version:
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)

table annotator ON annotator:
CREATE TABLE annotator (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	secret_hash VARCHAR(200), 
	qualification VARCHAR(16) NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_annotator PRIMARY KEY (id), 
	CONSTRAINT ck_annotator_qualification CHECK (qualification IN ('pending', 'qualified', 'imported')), 
	CONSTRAINT ck_annotator_role CHECK (role IN ('annotator', 'reviewer', 'admin')), 
	CONSTRAINT uq_annotator_name UNIQUE (name)
)

table broken_report ON broken_report:
CREATE TABLE broken_report (
	id INTEGER NOT NULL, 
	clip_id INTEGER NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	reason VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	resolution VARCHAR(16), 
	resolved_at DATETIME, 
	CONSTRAINT pk_broken_report PRIMARY KEY (id), 
	CONSTRAINT ck_broken_report_resolution CHECK (resolution IS NULL OR resolution IN ('rejected', 'kept')), 
	CONSTRAINT fk_broken_report_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_broken_report_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_broken_report_clip_annotator UNIQUE (clip_id, annotator_id)
)

table clip ON clip:
CREATE TABLE clip (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	movie_id INTEGER, 
	path VARCHAR(1000), 
	file_hash VARCHAR(64), 
	start_s FLOAT, 
	end_s FLOAT, 
	start_frame INTEGER, 
	end_frame INTEGER, 
	bucket VARCHAR(8), 
	source VARCHAR(16) NOT NULL, 
	extractor VARCHAR(100), 
	suggested_emotion INTEGER, 
	status VARCHAR(16) NOT NULL, 
	release_label INTEGER, 
	release_fold INTEGER, 
	created_at DATETIME NOT NULL, face_ratio FLOAT, provenance JSON, 
	CONSTRAINT pk_clip PRIMARY KEY (id), 
	CONSTRAINT ck_clip_source CHECK (source IN ('auto', 'manual', 'imported')), 
	CONSTRAINT ck_clip_status CHECK (status IN ('candidate', 'accepted', 'rejected', 'complete')), 
	CONSTRAINT ck_clip_span CHECK (end_s IS NULL OR start_s IS NULL OR end_s > start_s), 
	CONSTRAINT ck_clip_fold CHECK (release_fold IS NULL OR release_fold >= 1), 
	CONSTRAINT ck_clip_label CHECK (release_label IS NULL OR release_label BETWEEN 0 AND 7), 
	CONSTRAINT ck_clip_suggested_emotion CHECK (suggested_emotion IS NULL OR suggested_emotion BETWEEN 1 AND 7), 
	CONSTRAINT fk_clip_movie_id_movie FOREIGN KEY(movie_id) REFERENCES movie (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_clip_name UNIQUE (name)
)

table clip_queue ON clip_queue:
CREATE TABLE clip_queue (
	clip_id INTEGER NOT NULL, 
	votes INTEGER NOT NULL, 
	CONSTRAINT pk_clip_queue PRIMARY KEY (clip_id), 
	CONSTRAINT ck_clip_queue_votes CHECK (votes >= 0), 
	CONSTRAINT fk_clip_queue_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE CASCADE
)

table gold_clip ON gold_clip:
CREATE TABLE gold_clip (
	clip_id INTEGER NOT NULL, 
	emotion INTEGER NOT NULL, 
	example BOOLEAN NOT NULL, 
	added_by INTEGER, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_gold_clip PRIMARY KEY (clip_id), 
	CONSTRAINT ck_gold_clip_emotion CHECK (emotion BETWEEN 1 AND 7), 
	CONSTRAINT fk_gold_clip_added_by_annotator FOREIGN KEY(added_by) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_gold_clip_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT
)

table lease ON lease:
CREATE TABLE lease (
	id INTEGER NOT NULL, 
	clip_id INTEGER NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	issued_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	outcome VARCHAR(16), 
	CONSTRAINT pk_lease PRIMARY KEY (id), 
	CONSTRAINT ck_lease_expiry CHECK (expires_at > issued_at), 
	CONSTRAINT ck_lease_outcome CHECK ((closed_at IS NULL AND outcome IS NULL) OR (closed_at IS NOT NULL AND outcome IN ('voted', 'broken', 'released'))), 
	CONSTRAINT fk_lease_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_lease_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_lease_clip_annotator UNIQUE (clip_id, annotator_id)
)

table login_session ON login_session:
CREATE TABLE login_session (
	id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	ended_at DATETIME, 
	CONSTRAINT pk_login_session PRIMARY KEY (id), 
	CONSTRAINT fk_login_session_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_login_session_token_hash UNIQUE (token_hash)
)

table movie ON movie:
CREATE TABLE movie (
	id INTEGER NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	path VARCHAR(1000), 
	content_hash VARCHAR(64), 
	duration_s FLOAT, 
	fps FLOAT, 
	width INTEGER, 
	height INTEGER, 
	size_bytes INTEGER, 
	created_at DATETIME NOT NULL, frame_count INTEGER, has_audio BOOLEAN, extract_status VARCHAR(16), extract_error VARCHAR(1000), extracted_at DATETIME, extraction JSON, 
	CONSTRAINT pk_movie PRIMARY KEY (id), 
	CONSTRAINT uq_movie_content_hash UNIQUE (content_hash)
)

table quiz_answer ON quiz_answer:
CREATE TABLE quiz_answer (
	id INTEGER NOT NULL, 
	attempt_id INTEGER NOT NULL, 
	clip_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	emotion INTEGER, 
	correct BOOLEAN, 
	answered_at DATETIME, 
	CONSTRAINT pk_quiz_answer PRIMARY KEY (id), 
	CONSTRAINT ck_quiz_answer_emotion CHECK (emotion IS NULL OR emotion BETWEEN 1 AND 7), 
	CONSTRAINT fk_quiz_answer_attempt_id_quiz_attempt FOREIGN KEY(attempt_id) REFERENCES quiz_attempt (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_quiz_answer_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_quiz_answer_attempt_clip UNIQUE (attempt_id, clip_id), 
	CONSTRAINT uq_quiz_answer_attempt_position UNIQUE (attempt_id, position)
)

table quiz_attempt ON quiz_attempt:
CREATE TABLE quiz_attempt (
	id INTEGER NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	pass_mark FLOAT NOT NULL, 
	n_questions INTEGER NOT NULL, 
	n_correct INTEGER, 
	passed BOOLEAN, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	CONSTRAINT pk_quiz_attempt PRIMARY KEY (id), 
	CONSTRAINT ck_quiz_attempt_pass_mark CHECK (pass_mark > 0 AND pass_mark <= 1), 
	CONSTRAINT ck_quiz_attempt_n_questions CHECK (n_questions >= 1), 
	CONSTRAINT fk_quiz_attempt_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT
)

table release_number ON release_number:
CREATE TABLE release_number (
	clip_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	CONSTRAINT pk_release_number PRIMARY KEY (clip_id), 
	CONSTRAINT ck_release_number_number CHECK (number >= 1), 
	CONSTRAINT fk_release_number_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_release_number_number UNIQUE (number)
)

table screening ON screening:
CREATE TABLE screening (
	clip_id INTEGER NOT NULL, 
	reviewer_id INTEGER NOT NULL, 
	claimed_at DATETIME NOT NULL, 
	claim_expires_at DATETIME NOT NULL, 
	decision VARCHAR(16), 
	reason VARCHAR(300), 
	decided_at DATETIME, 
	CONSTRAINT pk_screening PRIMARY KEY (clip_id), 
	CONSTRAINT ck_screening_decision CHECK (decision IS NULL OR decision IN ('accepted', 'rejected')), 
	CONSTRAINT fk_screening_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_screening_reviewer_id_annotator FOREIGN KEY(reviewer_id) REFERENCES annotator (id) ON DELETE RESTRICT
)

table store_settings ON store_settings:
CREATE TABLE store_settings (
	id INTEGER NOT NULL, 
	votes_per_clip INTEGER NOT NULL, 
	quota INTEGER NOT NULL, 
	CONSTRAINT pk_store_settings PRIMARY KEY (id), 
	CONSTRAINT ck_store_settings_single_row CHECK (id = 1), 
	CONSTRAINT ck_store_settings_quota CHECK (quota >= 1), 
	CONSTRAINT ck_store_settings_votes_per_clip CHECK (votes_per_clip >= 2)
)

table vote ON vote:
CREATE TABLE vote (
	id INTEGER NOT NULL, 
	clip_id INTEGER NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	emotion INTEGER NOT NULL, 
	seconds FLOAT, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_vote PRIMARY KEY (id), 
	CONSTRAINT ck_vote_emotion CHECK (emotion BETWEEN 1 AND 7), 
	CONSTRAINT ck_vote_seconds CHECK (seconds IS NULL OR seconds >= 0), 
	CONSTRAINT fk_vote_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_vote_clip_id_clip FOREIGN KEY(clip_id) REFERENCES clip (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_vote_clip_annotator UNIQUE (clip_id, annotator_id)
)

table vote_change ON vote_change:
CREATE TABLE vote_change (
	id INTEGER NOT NULL, 
	vote_id INTEGER NOT NULL, 
	annotator_id INTEGER NOT NULL, 
	old_emotion INTEGER NOT NULL, 
	new_emotion INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_vote_change PRIMARY KEY (id), 
	CONSTRAINT ck_vote_change_old_emotion CHECK (old_emotion BETWEEN 1 AND 7), 
	CONSTRAINT ck_vote_change_new_emotion CHECK (new_emotion BETWEEN 1 AND 7), 
	CONSTRAINT fk_vote_change_annotator_id_annotator FOREIGN KEY(annotator_id) REFERENCES annotator (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_vote_change_vote_id_vote FOREIGN KEY(vote_id) REFERENCES vote (id) ON DELETE RESTRICT
)

trigger clip_queue_insert ON clip:
CREATE TRIGGER clip_queue_insert AFTER INSERT ON clip
    BEGIN INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted'; END

trigger clip_queue_status ON clip:
CREATE TRIGGER clip_queue_status AFTER UPDATE OF status ON clip
    WHEN NEW.status IS NOT OLD.status
    BEGIN
        DELETE FROM clip_queue WHERE clip_id = NEW.id;
        INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted';
    END

trigger clip_queue_vote_delete ON vote:
CREATE TRIGGER clip_queue_vote_delete AFTER DELETE ON vote
    BEGIN UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id; END

trigger clip_queue_vote_insert ON vote:
CREATE TRIGGER clip_queue_vote_insert AFTER INSERT ON vote
    BEGIN UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id; END

trigger clip_queue_vote_move ON vote:
CREATE TRIGGER clip_queue_vote_move AFTER UPDATE OF clip_id ON vote
    WHEN NEW.clip_id IS NOT OLD.clip_id
    BEGIN
        UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id;
        UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id;
    END

trigger clip_quota_insert ON clip:
CREATE TRIGGER clip_quota_insert BEFORE INSERT ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:quota'); END

trigger clip_quota_update ON clip:
CREATE TRIGGER clip_quota_update BEFORE UPDATE OF status, movie_id ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND (OLD.status = 'rejected' OR OLD.movie_id IS NOT NEW.movie_id)
        AND (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:quota'); END

trigger lease_cap ON lease:
CREATE TRIGGER lease_cap BEFORE INSERT ON lease
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) + (SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL AND expires_at > NEW.issued_at) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:lease_cap'); END

trigger lease_clip_state ON lease:
CREATE TRIGGER lease_clip_state BEFORE INSERT ON lease
    WHEN (SELECT status FROM clip WHERE id = NEW.clip_id) IS NOT 'accepted'
    BEGIN SELECT RAISE(ABORT, 'dfew:lease_clip_state'); END

trigger vote_cap ON vote:
CREATE TRIGGER vote_cap BEFORE INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:vote_cap'); END

trigger vote_completes_clip ON vote:
CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id; END

