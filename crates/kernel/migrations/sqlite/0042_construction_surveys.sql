-- 厂房报建全网办: 勘查 (site surveys) of cases. The department that took a case in appoints a
-- survey, on site or by video, in a time window; its inspector checks in on a phone: where and
-- when are recorded, a check-in outside the window is flagged, one outside the site's radius
-- is refused. Photos are attachments owned by ('construction_survey', id).
CREATE TABLE construction_survey (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id          BIGINT NOT NULL REFERENCES construction_case(id),
    -- on_site | video
    mode             TEXT NOT NULL,
    -- The appointment, UTC: the inspector is expected between these.
    window_starts_at TEXT NOT NULL,
    window_ends_at   TEXT NOT NULL,
    -- On site only: the site's centre (millionths of a degree, WGS-84) and how far from it, in
    -- metres, a check-in counts as on the site.
    site_latitude    BIGINT,
    site_longitude   BIGINT,
    radius_m         BIGINT,
    scheduled_by     BIGINT NOT NULL,
    scheduled_at     TEXT NOT NULL,
    -- The check-in, once made.
    checked_in_by    BIGINT,
    checked_in_at    TEXT,
    latitude         BIGINT,
    longitude        BIGINT,
    distance_m       BIGINT,
    -- How the phone's position was had: 'device' (its location service, with the accuracy it
    -- reported, in metres) or 'typed' (by hand: flagged, since anyone can type the centre).
    located_by       TEXT,
    accuracy_m       BIGINT,
    -- 1 when the check-in fell outside the appointed window.
    outside_window   BIGINT NOT NULL DEFAULT 0,
    findings         TEXT,
    -- Video only: the meeting or recording's number, where the recording is kept.
    video_record     TEXT
);
CREATE INDEX construction_survey_case ON construction_survey(case_id);
