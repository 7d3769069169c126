-- What the department found when it followed up a bad rating (核实结论): duty_failed (属实,
-- 经办人员履职不到位: it goes to 纪检 for 差评追责) or not_duty.
ALTER TABLE service_rating ADD COLUMN follow_up_finding TEXT;
