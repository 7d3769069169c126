-- 厂房报建全网办: 数据云柜. What a project's enterprise has given once, material by material, kept
-- and reused by every later application that needs the same material while it is valid: a file
-- it uploaded (an attachment owned by ('construction_vault', id)) or a licence the platform
-- issued to the project (项目备案证明, 建设工程规划许可证 ...). A newer item replaces the older one
-- of the same material; the older stays, since cases applied with it still show it.
CREATE TABLE construction_vault_item (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   BIGINT NOT NULL REFERENCES construction_project(id),
    material     TEXT NOT NULL,
    -- Set when the item is a licence issued on the platform; otherwise the item owns one file.
    licence_no   TEXT REFERENCES construction_licence(licence_no),
    -- The last Beijing day (YYYY-MM-DD) it may be reused; none when it does not expire.
    valid_until  TEXT,
    added_by     BIGINT NOT NULL,
    added_at     TEXT NOT NULL,
    replaced_at  TEXT
);
CREATE UNIQUE INDEX construction_vault_live
    ON construction_vault_item(project_id, material) WHERE replaced_at IS NULL;
-- The materials a case was applied with: which item of the 云柜 served each, as it stood then.
CREATE TABLE construction_case_material (
    case_id        BIGINT NOT NULL REFERENCES construction_case(id),
    material       TEXT NOT NULL,
    vault_item_id  BIGINT NOT NULL REFERENCES construction_vault_item(id),
    PRIMARY KEY (case_id, material)
);
