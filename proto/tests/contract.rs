//! The users contract as the issue names it, and reflection listing it over a real connection.

use prost::Message as _;
use prost_types::FileDescriptorSet;
use tonic::transport::{Channel, Server};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

const SERVICE: &str = "AuthUserAdminService";
const USERS: &str = "xcode.users.v1.AuthUserAdminService";

fn descriptors() -> FileDescriptorSet {
    FileDescriptorSet::decode(xcode_proto::FILE_DESCRIPTOR_SET).expect("a valid descriptor set")
}

#[test]
fn the_users_service_has_every_rpc() {
    let set = descriptors();
    let file = set
        .file
        .iter()
        .find(|file| file.name() == "xcode/users/v1/users.proto")
        .expect("users.proto is in the set");
    assert_eq!(file.package(), "xcode.users.v1");
    let service = file
        .service
        .iter()
        .find(|service| service.name() == SERVICE)
        .expect("the service");
    let methods: Vec<&str> = service.method.iter().map(|method| method.name()).collect();
    let expected = [
        "Register",
        "VerifyEmail",
        "ResendVerification",
        "Login",
        "LoginTwoFactor",
        "Refresh",
        "Logout",
        "LogoutAll",
        "RequestPasswordReset",
        "ResetPassword",
        "ChangePassword",
        "BeginTotpEnrollment",
        "ConfirmTotp",
        "DisableTotp",
        "RegenerateRecoveryCodes",
        "GetMe",
        "UpdateProfile",
        "GetUser",
        "ListUsers",
        "BanUser",
        "UnbanUser",
        "VerifyUser",
        "SetRole",
        "DeleteUser",
        "ListAuditLog",
        "ListOutbox",
    ];
    assert_eq!(methods, expected);
    // Every RPC has its own request and response messages, named after it.
    for method in &service.method {
        assert_eq!(
            method.input_type(),
            format!(".xcode.users.v1.{}Request", method.name())
        );
        assert_eq!(
            method.output_type(),
            format!(".xcode.users.v1.{}Response", method.name())
        );
    }
    let user = file
        .message_type
        .iter()
        .find(|message| message.name() == "User")
        .expect("User");
    let fields: Vec<&str> = user.field.iter().map(|field| field.name()).collect();
    for field in [
        "id",
        "username",
        "email",
        "display_name",
        "role",
        "is_verified",
        "is_banned",
        "totp_enabled",
        "created_at",
    ] {
        assert!(fields.contains(&field), "User lacks {field}: {fields:?}");
    }
}

#[test]
fn generated_messages_round_trip() {
    use xcode_proto::users::v1::{LoginResponse, SignedIn, Tokens, login_response};
    let response = LoginResponse {
        result: Some(login_response::Result::SignedIn(SignedIn {
            tokens: Some(Tokens {
                access_token: "a".into(),
                refresh_token: "r".into(),
                ..Tokens::default()
            }),
            user: None,
        })),
    };
    let bytes = response.encode_to_vec();
    assert_eq!(
        LoginResponse::decode(bytes.as_slice()).expect("decodes"),
        response
    );
}

#[tokio::test]
async fn reflection_lists_the_services() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("its address");
    let (_health_reporter, health) = tonic_health::server::health_reporter();
    let server = Server::builder()
        .add_service(health)
        .add_service(xcode_proto::reflection::v1(&[USERS]).expect("reflection"))
        .add_service(xcode_proto::reflection::v1alpha(&[USERS]).expect("reflection"))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    let server = tokio::spawn(server);

    let channel = Channel::from_shared(format!("http://{address}"))
        .expect("a URI")
        .connect()
        .await
        .expect("connects");
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("the call")
        .into_inner();
    let response = responses
        .message()
        .await
        .expect("a response")
        .expect("not the end");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("not a service list: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for name in [
        USERS,
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    // Contracts this server does not serve are not advertised.
    for name in [
        "xcode.problems.v1.ProblemService",
        "xcode.judge.v1.ExecutionService",
    ] {
        assert!(!names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    server.abort();
}

/// The service of `file` and its RPCs, each with its own `<Rpc>Request` and `<Rpc>Response`.
fn rpcs(file_name: &str, package: &str, service_name: &str) -> Vec<String> {
    let set = descriptors();
    let file = set
        .file
        .iter()
        .find(|file| file.name() == file_name)
        .unwrap_or_else(|| panic!("{file_name} is in the set"));
    assert_eq!(file.package(), package);
    let service = file
        .service
        .iter()
        .find(|service| service.name() == service_name)
        .expect("the service");
    for method in &service.method {
        assert_eq!(
            method.input_type(),
            format!(".{package}.{}Request", method.name())
        );
        assert_eq!(
            method.output_type(),
            format!(".{package}.{}Response", method.name())
        );
    }
    service
        .method
        .iter()
        .map(|method| method.name().to_owned())
        .collect()
}

#[test]
fn the_problem_service_has_what_issue_6_names() {
    let methods = rpcs(
        "xcode/problems/v1/problems.proto",
        "xcode.problems.v1",
        "ProblemService",
    );
    for rpc in [
        "ListProblems",
        "GetProblem",
        "GetProblemStats",
        "CreateProblem",
        "UpdateProblem",
        "DeleteProblem",
        "UploadPackage",
        "PutTest",
        "SetValidator",
    ] {
        assert!(methods.iter().any(|m| m == rpc), "{rpc} not in {methods:?}");
    }
}

#[test]
fn the_execution_service_has_what_issue_6_names() {
    let methods = rpcs(
        "xcode/judge/v1/judge.proto",
        "xcode.judge.v1",
        "ExecutionService",
    );
    for rpc in [
        "Run",
        "Submit",
        "GetSubmission",
        "ListSubmissions",
        "StreamSubmission",
        "Rejudge",
        "ListLanguages",
    ] {
        assert!(methods.iter().any(|m| m == rpc), "{rpc} not in {methods:?}");
    }
}
