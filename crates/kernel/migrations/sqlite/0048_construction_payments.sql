-- 厂房报建全网办: 缴费. The fees a case owes, computed from the fee schedule's rates when the
-- department takes it in, on one payment order whose number the enterprise pays under (非税收入
-- 缴款码). It is paid once: by the non-tax payment system's signed notice, or at the counter as
-- the department records it.
CREATE TABLE construction_payment (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      BIGINT NOT NULL UNIQUE REFERENCES construction_case(id),
    order_no     TEXT NOT NULL UNIQUE,
    amount_fen   BIGINT NOT NULL,
    -- The lines as assessed, JSON: item, quantity, rate, amount and legal basis of each.
    lines        TEXT NOT NULL,
    assessed_at  TEXT NOT NULL,
    -- Set once, when paid: how (gateway | counter), the payment system's transaction or the
    -- counter's receipt number, and who recorded it (none for the payment system).
    paid_at      TEXT,
    paid_via     TEXT,
    payment_ref  TEXT,
    recorded_by  BIGINT
);
