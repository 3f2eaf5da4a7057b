-- One database and one role per domain and service. A new database lets
-- every role connect (PUBLIC has CONNECT): each grant is taken back, so
-- only its own role opens it.
CREATE DATABASE ciam_kratos;
CREATE DATABASE ciam_hydra;
CREATE DATABASE iam_kratos;
CREATE DATABASE iam_hydra;

-- Passwords are set at deploy time (ALTER ROLE ... PASSWORD), never here.
CREATE ROLE ciam_kratos LOGIN;
CREATE ROLE ciam_hydra LOGIN;
CREATE ROLE iam_kratos LOGIN;
CREATE ROLE iam_hydra LOGIN;

REVOKE ALL ON DATABASE ciam_kratos FROM PUBLIC;
REVOKE ALL ON DATABASE ciam_hydra FROM PUBLIC;
REVOKE ALL ON DATABASE iam_kratos FROM PUBLIC;
REVOKE ALL ON DATABASE iam_hydra FROM PUBLIC;

GRANT ALL PRIVILEGES ON DATABASE ciam_kratos TO ciam_kratos;
GRANT ALL PRIVILEGES ON DATABASE ciam_hydra TO ciam_hydra;
GRANT ALL PRIVILEGES ON DATABASE iam_kratos TO iam_kratos;
GRANT ALL PRIVILEGES ON DATABASE iam_hydra TO iam_hydra;
