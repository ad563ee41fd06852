use std::fmt;

/// Why a document could not be rendered. Messages are technical English; the
/// host maps every variant to the WIT `plugin-error` `invalid-input` except
/// [`DocumentError::Render`], which is a host bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentError {
    /// A field is malformed (blank title, bad language tag, zero width…).
    InvalidInput(String),
    /// An image cannot be used: unknown media type, bytes that are not what
    /// the media type says, undecodable data, or dimensions over the caps.
    InvalidImage {
        /// Which image: `logo`, `signature` or `body[3]`.
        image: String,
        reason: String,
    },
    /// The document exceeds one of the caps in [`crate::limits`].
    TooLarge {
        /// What was counted (`pages`, `text bytes`, …).
        what: &'static str,
        limit: usize,
        actual: usize,
    },
    /// The PDF engine refused the laid-out document; this is a renderer bug,
    /// not a problem with the input.
    Render(String),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput(reason) => write!(f, "invalid document: {reason}"),
            Self::InvalidImage { image, reason } => write!(f, "invalid image {image}: {reason}"),
            Self::TooLarge { what, limit, actual } => {
                write!(f, "document too large: {actual} {what} (at most {limit})")
            }
            Self::Render(reason) => write!(f, "pdf rendering failed: {reason}"),
        }
    }
}

impl DocumentError {
    /// Whether the plugin's description is at fault (WIT `invalid-input`);
    /// `false` for [`DocumentError::Render`], a renderer bug (`internal`).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, Self::Render(_))
    }
}

impl std::error::Error for DocumentError {}
