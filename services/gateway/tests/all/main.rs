//! The gateway's integration tests: the real app on port 0, with the users service
//! unreachable (`without_users`) or played by an in-test gRPC server (`with_users`).

mod helpers;
mod mock_users;
mod openapi;
mod with_users;
mod without_users;
