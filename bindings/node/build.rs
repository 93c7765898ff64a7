//! napi-rs link setup (exports the module-registration symbol; macOS `dynamic_lookup`).

fn main() {
    napi_build::setup();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        // Cross-linked here with zig and no SDK (scripts/build-all.sh): keep only the dylibs
        // something is imported from (std names libiconv, which nothing uses: the module then
        // loads libSystem alone), and a relocatable install name, not this machine's build path.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-dead_strip_dylibs");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libcallstate_node.dylib");
    }
}
