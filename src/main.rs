use clap::Parser;

fn main() {
    // reqwest, sqlx and lettre all use rustls; one process-wide crypto
    // provider means none of them has to guess (and none panics choosing).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = xunjian::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误 (error): cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(xunjian::cli::run(cli));
    std::process::exit(code);
}
