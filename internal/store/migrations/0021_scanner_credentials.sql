-- What an openvas scanner needs to log in to its Greenbone manager: the GMP
-- user, the password sealed with the server's secret key (secret.Box; it must
-- be read back to log in, so it cannot be hashed), and how to trust the
-- manager's certificate: a CA in PEM (managers use their own CA as a rule),
-- or an explicit opt-out of verification.
ALTER TABLE scanners ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE scanners ADD COLUMN password_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE scanners ADD COLUMN ca_cert TEXT NOT NULL DEFAULT '';
ALTER TABLE scanners ADD COLUMN insecure_skip_verify BOOLEAN NOT NULL DEFAULT FALSE;
