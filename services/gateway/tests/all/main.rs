//! The gateway's integration tests: the real app on port 0, with the users service
//! unreachable (`without_users`) or the real one running in the test (`with_users`, on a fresh
//! SQLite database: `users`).

mod helpers;
mod openapi;
mod users;
mod with_users;
mod without_users;
