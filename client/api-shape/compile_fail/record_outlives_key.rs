//! A record borrows a key it does not own, so it cannot outlive it (E0597).

fn main() {
    let record;
    {
        let key = String::from("k");
        record = kctl_client::Record::new("t").key(&key);
    }
    drop(record);
}
