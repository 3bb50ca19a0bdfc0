// The starter problems are embedded (src/seed.rs): rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../../seed");
}
