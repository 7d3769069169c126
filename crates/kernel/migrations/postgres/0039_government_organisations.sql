-- Every page that names departments, towns or banks reads the organisations that are not
-- enterprises; enterprises are organisations too, so with 100,000 of them that read scanned the
-- whole table for a few dozen rows (the front page fell from 87 to 26 requests a second). Only
-- the others are indexed.
CREATE INDEX organisation_government ON organisation(id) WHERE kind <> 'enterprise';
