//! `infra import ADDRESS ID`: records an existing object in state under an
//! address the configuration declares, holding the state lock (mirrors
//! `terraform import`).

use super::workdir::{self, gather_inputs};
use super::{OrFail, Outcome};
use crate::args::ImportArgs;
use crate::{Io, exit};
use infra_engine::addr::ResourceAddress;
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra import`: 0 when imported, 1 on any error (state unchanged).
pub fn run(args: &ImportArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    import(args, base, io).or_fail(false)?;
    Ok(exit::OK)
}

fn import(args: &ImportArgs, base: &Path, io: &mut Io<'_>) -> Result<(), Vec<Diagnostic>> {
    let address = ResourceAddress::parse(&args.address).map_err(|e| {
        vec![
            Diagnostic::error("cli::bad-address", e.to_string()).with_help(
                "Addresses look like `aws_s3_bucket.logs` or `aws_s3_object.page[\"index.html\"]`.",
            ),
        ]
    })?;
    let inputs = gather_inputs(&args.inputs, base)?;
    let rt = workdir::runtime().map_err(|d| vec![d])?;
    let store = workdir::store(
        base,
        &args.state,
        workdir::const_inputs(&args.inputs.consts),
    )?;
    let lock = workdir::lock(&rt, &*store, &args.state, "import").map_err(|d| vec![d])?;
    let audit = super::audit::Run::start("import");
    let mut serials = (None, None);
    let result: Result<(), Vec<Diagnostic>> = (|| {
        let mut state = workdir::read(&rt, &*store)
            .map_err(|d| vec![d])?
            .unwrap_or_default();
        let _ = writeln!(io.out, "{address}: Importing from ID {:?}...", args.id);
        infra_engine::import::import(
            base,
            inputs,
            &workdir::providers_for(base, &rt)?,
            &mut state,
            &address,
            &args.id,
            &workdir::workspace::current(base).map_err(|d| vec![d])?,
            rt.handle(),
        )?;
        // The object a killed apply may have left at this address is
        // adopted now (or the user chose another): its record is resolved.
        state.pending.retain(|p| p.address != address);
        serials.0 = Some(state.serial);
        state.serial = state
            .next_serial()
            .map_err(|e| vec![workdir::state_error(&e)])?;
        workdir::write(&rt, &*store, &state).map_err(|d| vec![d])?;
        serials.1 = Some(state.serial);
        Ok(())
    })();
    if result.is_ok() {
        let imported = vec![super::audit::change(&address, "import", "ok")];
        audit.finish(io, &rt, &*store, Some(base), "succeeded", serials, imported);
    }
    workdir::unlock(io, lock);
    result?;
    let _ = writeln!(
        io.out,
        "{address}: Import complete.\n\nImport successful! `{address}` is now in the state and managed by infra.\nRun `infra plan` to see how the configuration differs from the real object."
    );
    Ok(())
}
