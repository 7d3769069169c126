-- Each version of a policy keeps its own texts — document, guide with its pledges, offline
-- channel, review stages, time limit, budget — so that editing a published policy changes
-- nothing the public or applicants see until the lead publishes the new version.
-- JSON (see storage::policies::VersionTexts); NULL in versions made before this column, whose
-- texts are the policy row's.
ALTER TABLE policy_version ADD COLUMN texts TEXT;
