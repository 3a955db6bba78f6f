//! `sqlx::migrate!` embeds the SQL files at compile time; without this, editing a migration would
//! not rebuild the crate and `migrate()` would apply a stale copy.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
