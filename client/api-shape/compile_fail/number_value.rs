//! Values are bytes: a number must be encoded by the application (E0277).

fn main() {
    let _ = kctl_client::Record::new("t").value(42);
}
