-- Warnings and requests for confirmation go to the users of some roles: found by role rather
-- than by reading every account (most accounts are enterprise users).
CREATE INDEX app_user_role ON app_user(role);
