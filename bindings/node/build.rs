//! napi-rs link setup (exports the module-registration symbol; macOS `dynamic_lookup`).

fn main() {
    napi_build::setup();
}
