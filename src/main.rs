use clap::Parser;

fn main() {
    let cli = barometre::cli::Cli::parse();
    // typst's layout recurses deeply (more so in a debug build): every worker thread gets
    // the stack the main thread has.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(barometre::render::STACK).build_global();
    if let Err(err) = barometre::run(cli) {
        // A closed pipe (`barometre … | head`) is not an error worth reporting.
        if err
            .chain()
            .any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
        {
            std::process::exit(0);
        }
        barometre::note!("error: {err:#}");
        std::process::exit(barometre::error::exit_code(&err));
    }
}
