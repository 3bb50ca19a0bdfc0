-- Facts about this deployment's database. `deployment`: a random id, made once; caches
-- shared by several deployments (one memcached) keep their keys apart with it.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
