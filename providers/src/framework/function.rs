//! [`Function`]: one provider function of a native provider, called as
//! `provider::NAME::FUNC(args)` — its name, signature and implementation.

use infra_engine::provider::{FunctionError, FunctionSignature};
use infra_lang::Value;

/// A provider function (`provider::local::direxists`). Mirrors Terraform's
/// plugin framework `function.Function`: a name, a definition (parameters,
/// variadic parameter, return type) and `Run`.
pub trait Function: Send + Sync {
    /// The function's name without the namespace: `direxists`.
    fn name(&self) -> &'static str;

    /// Its parameters and result type.
    fn signature(&self) -> FunctionSignature;

    /// Runs it. The engine (and the plugin server) has checked the
    /// arguments against [`Function::signature`]: one per parameter, then
    /// the variadic ones, converted to their types, non-null and wholly
    /// known unless the parameter allows otherwise, without sensitive marks.
    ///
    /// # Errors
    /// The arguments are refused (`argument` names the one at fault) or
    /// the function failed.
    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError>;
}
