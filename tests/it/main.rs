//! The one integration-test binary. Each module checks one promise of the project.

mod support;

mod bad_specs;
mod changes;
mod client_auth;
mod client_budget;
mod client_hardening;
mod client_machines;
mod client_paging;
mod client_requests;
mod client_resilience;
mod client_wait;
mod codegen_writes;
mod doc_examples;
mod docs_check;
mod fleet;
mod freshness;
mod fuzz;
mod generator_scale;
mod golden;
mod golden_compiled;
mod layout;
mod machine_doc_examples;
mod openapi;
mod real_world;
mod resolve;
mod simulator_machines;
mod simulator_protocol;
mod tidy;
mod tls;
mod virtual_clock;
mod wire_info;
mod workflows;
