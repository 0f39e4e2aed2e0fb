//! The three probe kinds, as the macros see them.

use proc_macro2::{Ident, Span};

/// Which attribute is expanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Liveness,
    Readiness,
    Startup,
}

impl Kind {
    /// The attribute's name: `readiness`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Kind::Liveness => "liveness",
            Kind::Readiness => "readiness",
            Kind::Startup => "startup",
        }
    }

    /// The variant of `healthz_core::Kind` to emit.
    pub(crate) fn variant(self) -> Ident {
        let variant = match self {
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
            Kind::Startup => "Startup",
        };
        Ident::new(variant, Span::call_site())
    }
}
