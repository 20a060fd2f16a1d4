index ix_clip_movie_status ON clip:
CREATE INDEX ix_clip_movie_status ON clip (movie_id, status)

index ix_vote_annotator_id ON vote:
CREATE INDEX ix_vote_annotator_id ON vote (annotator_id)

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
	created_at DATETIME NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_movie PRIMARY KEY (id), 
	CONSTRAINT uq_movie_content_hash UNIQUE (content_hash)
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

trigger vote_cap ON vote:
CREATE TRIGGER vote_cap BEFORE INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:vote_cap'); END

trigger vote_completes_clip ON vote:
CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id; END

