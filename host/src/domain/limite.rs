//! Rate limits: how many requests of one kind a subject (an IP address, an
//! e-mail address, a compte) may make in a fixed window. Counters live in
//! the database (`store::rate_limits`) so that every replica sees the same
//! ones; this module only says what the limits are and when one is reached.
//!
//! Each limit names the threat it bounds. Per-IP limits key on the
//! connection's peer address (or the operator's trusted proxy header, see
//! `Config::client_ip_header`), an IPv6 client on its /64.

use crate::domain::compte::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limite {
    /// The bucket family, part of every counter's key.
    pub nom: &'static str,
    pub max: i64,
    pub fenetre: Duration,
}

/// Failed logins from one IP, whatever the e-mail: bounds password
/// spraying (one common password tried over many comptes; the probe did 40
/// comptes at 13 requests a second). Successful logins do not count, so an
/// office behind one address is not stopped by its morning logins.
pub const CONNEXION_ECHECS_IP: Limite = Limite { nom: "connexion-ip", max: 30, fenetre: Duration::minutes(15) };

/// Failed logins for one e-mail address, from anywhere: bounds guessing one
/// compte's password from many addresses. Reaching it answers 429 to
/// everyone, the owner included, who can still set a new password by the
/// « mot de passe oublié » link; that clears it.
pub const CONNEXION_ECHECS_EMAIL: Limite = Limite { nom: "connexion-email", max: 100, fenetre: Duration::hours(1) };

/// Failed logins for one e-mail address from one IP: the lockout. It
/// bounds guessing from one address, and applies to that address only, so
/// that nobody can lock the owner out of their compte by failing on
/// purpose (the old per-compte lock was a denial of service). The owner is
/// e-mailed a reset link when it is reached.
pub const CONNEXION_VERROU: Limite =
    Limite { nom: "connexion-verrou", max: MAX_FAILED_LOGINS, fenetre: Duration::minutes(LOCKOUT_MINUTES) };

/// Sign-ups from one IP: bounds mass creation of comptes and the e-mails
/// each one sends to an address the requester chose.
pub const INSCRIPTION_IP: Limite = Limite { nom: "inscription-ip", max: 10, fenetre: Duration::hours(1) };

/// Reset requests from one IP: bounds e-mail bombing of many addresses and
/// probing through the reset form.
pub const REINITIALISATION_IP: Limite = Limite { nom: "reinitialisation-ip", max: 10, fenetre: Duration::hours(1) };

/// E-mails about a compte sent to one address, per kind (confirmation or
/// « compte existant », reset link, lockout notice): bounds flooding
/// someone's mailbox through our forms. Beyond it the form answers the same
/// neutral message and sends nothing, so it reveals nothing either.
pub const COURRIELS_PAR_ADRESSE: i64 = 3;
pub const COURRIEL_INSCRIPTION: Limite =
    Limite { nom: "courriel-inscription", max: COURRIELS_PAR_ADRESSE, fenetre: Duration::hours(1) };
pub const COURRIEL_REINITIALISATION: Limite =
    Limite { nom: "courriel-reinitialisation", max: COURRIELS_PAR_ADRESSE, fenetre: Duration::hours(1) };
pub const COURRIEL_VERROU: Limite =
    Limite { nom: "courriel-verrou", max: COURRIELS_PAR_ADRESSE, fenetre: Duration::hours(1) };

/// Autocomplete calls by one compte: each runs a plugin and an upstream
/// request (API Entreprise, BAN…) whose quota all usagers share. Typing
/// sends at most a few a second; two a second for a minute is generous.
pub const SUGGESTIONS_COMPTE: Limite = Limite { nom: "suggestions-compte", max: 120, fenetre: Duration::minutes(1) };

/// Co-construction invitations sent by one compte: each e-mails the
/// usager's words to an address they choose, so this bounds how much a
/// compte can make the platform send (spam through invitations).
pub const INVITATIONS_COMPTE: Limite = Limite { nom: "invitations-compte", max: 30, fenetre: Duration::hours(1) };

/// Transfers asked by one compte: each e-mails an address the usager
/// chooses, as invitations do (the same bound, counted apart).
pub const TRANSFERTS_COMPTE: Limite = Limite { nom: "transferts-compte", max: 30, fenetre: Duration::hours(1) };

/// Préremplissages sent to the anonymous public API from one address: a
/// partner's site sends one per usager it redirects; this bounds the rows
/// an anonymous caller makes us store (each kept up to 5 days).
pub const PREREMPLISSAGE_IP: Limite = Limite { nom: "preremplissage-ip", max: 60, fenetre: Duration::minutes(1) };

/// Autocomplete calls from one IP, all comptes together (many comptes
/// made to get around the per-compte limit).
pub const SUGGESTIONS_IP: Limite = Limite { nom: "suggestions-ip", max: 600, fenetre: Duration::minutes(1) };

/// The longest window above: counters older than that are deleted.
pub const FENETRE_MAX: Duration = Duration::hours(1);

impl Limite {
    /// When a window that starts now would have started if still running.
    pub fn debut_fenetre_courante(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.fenetre
    }

    /// Seconds to wait when `hits` is over the limit in the window that
    /// started at `debut`; `None` when the request may go on.
    pub fn attente(&self, hits: i64, debut: DateTime<Utc>, now: DateTime<Utc>) -> Option<u64> {
        (hits > self.max).then(|| ((debut + self.fenetre - now).num_seconds().max(1)) as u64)
    }
}

/// The subject of a per-IP limit: the address, an IPv6 one cut to its /64
/// (what one subscriber gets).
pub fn sujet_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_reached_past_its_max_and_says_how_long_to_wait() {
        let now = Utc::now();
        assert_eq!(INSCRIPTION_IP.attente(10, now, now), None);
        assert_eq!(INSCRIPTION_IP.attente(11, now - Duration::minutes(30), now), Some(1800));
        assert_eq!(INSCRIPTION_IP.attente(11, now - Duration::hours(2), now), Some(1), "never zero");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        assert_eq!(sujet_ip(a), sujet_ip(b));
        assert_eq!(sujet_ip("::ffff:10.0.0.1".parse().expect("ip")), "10.0.0.1");
        assert_eq!(sujet_ip("127.0.0.5".parse().expect("ip")), "127.0.0.5");
    }

    #[test]
    fn every_window_fits_in_the_longest() {
        for l in [
            CONNEXION_ECHECS_IP,
            CONNEXION_ECHECS_EMAIL,
            CONNEXION_VERROU,
            INSCRIPTION_IP,
            REINITIALISATION_IP,
            COURRIEL_INSCRIPTION,
            COURRIEL_REINITIALISATION,
            COURRIEL_VERROU,
            SUGGESTIONS_COMPTE,
            SUGGESTIONS_IP,
            INVITATIONS_COMPTE,
            TRANSFERTS_COMPTE,
            PREREMPLISSAGE_IP,
        ] {
            assert!(l.fenetre <= FENETRE_MAX, "{}", l.nom);
        }
    }
}
