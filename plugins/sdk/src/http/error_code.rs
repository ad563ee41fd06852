//! `wasi:http` error codes as [`HttpError`]s. Compiled on every target so the
//! mapping is unit tested natively.

use super::HttpError;
use crate::bindings::type_de_champ::wasi::http::types::ErrorCode;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code, reason = "only the wasm32 transport sends requests"))]
pub(super) fn from_error_code(code: &ErrorCode) -> HttpError {
    let name = || format!("{code:?}");
    match code {
        // What the host answers for an origin the manifest or the operator
        // did not allow, or an address it refuses to reach.
        ErrorCode::HttpRequestDenied | ErrorCode::DestinationIpProhibited => HttpError::Denied(name()),
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => HttpError::Dns(name()),
        ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached => HttpError::Connection(name()),
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => HttpError::Timeout,
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => {
            HttpError::Tls(name())
        }
        ErrorCode::HttpResponseBodySize(_) => HttpError::BodyTooLarge,
        ErrorCode::HttpRequestLengthRequired
        | ErrorCode::HttpRequestBodySize(_)
        | ErrorCode::HttpRequestMethodInvalid
        | ErrorCode::HttpRequestUriInvalid
        | ErrorCode::HttpRequestUriTooLong
        | ErrorCode::HttpRequestHeaderSectionSize(_)
        | ErrorCode::HttpRequestHeaderSize(_)
        | ErrorCode::HttpRequestTrailerSectionSize(_)
        | ErrorCode::HttpRequestTrailerSize(_) => HttpError::InvalidRequest(name()),
        ErrorCode::HttpResponseIncomplete
        | ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_)
        | ErrorCode::HttpResponseTrailerSectionSize(_)
        | ErrorCode::HttpResponseTrailerSize(_)
        | ErrorCode::HttpResponseTransferCoding(_)
        | ErrorCode::HttpResponseContentCoding(_)
        | ErrorCode::HttpUpgradeFailed
        | ErrorCode::HttpProtocolError
        | ErrorCode::LoopDetected
        | ErrorCode::ConfigurationError
        | ErrorCode::InternalError(_) => HttpError::Protocol(name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::type_de_champ::wasi::http::types::DnsErrorPayload;

    #[test]
    fn maps_error_codes() {
        assert_eq!(
            from_error_code(&ErrorCode::HttpRequestDenied),
            HttpError::Denied("ErrorCode::HttpRequestDenied".into())
        );
        assert!(matches!(from_error_code(&ErrorCode::DestinationIpProhibited), HttpError::Denied(_)));
        assert_eq!(from_error_code(&ErrorCode::ConnectionTimeout), HttpError::Timeout);
        assert_eq!(from_error_code(&ErrorCode::HttpResponseTimeout), HttpError::Timeout);
        assert!(matches!(from_error_code(&ErrorCode::ConnectionRefused), HttpError::Connection(_)));
        let dns = ErrorCode::DnsError(DnsErrorPayload { rcode: Some("NXDOMAIN".into()), info_code: None });
        assert!(matches!(from_error_code(&dns), HttpError::Dns(_)));
        assert_eq!(from_error_code(&ErrorCode::HttpResponseBodySize(Some(9))), HttpError::BodyTooLarge);
        assert!(matches!(from_error_code(&ErrorCode::HttpRequestUriInvalid), HttpError::InvalidRequest(_)));
        assert!(matches!(from_error_code(&ErrorCode::InternalError(None)), HttpError::Protocol(_)));
    }
}
