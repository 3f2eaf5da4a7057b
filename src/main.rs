fn main() -> std::process::ExitCode {
    isolint::cli::main()
}
