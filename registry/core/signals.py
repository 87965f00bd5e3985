"""Every event one domain announces and other domains react to, declared once.

A lower domain sends; the domain that reacts owns the receiver and connects
it in its `init_app`, so nothing depends on which module happens to be
imported. Receivers run synchronously, in the sender's transaction, in the
order the app factory initialises the domains; they flush, never commit.

    from registry.core import signals
    signals.account_deleting.connect(delete_my_rows)     # in init_app
    signals.account_deleting.send(account)               # in the sender
"""
from __future__ import annotations

from blinker import NamedSignal
from blinker.base import make_id


class OrderedSignal(NamedSignal):
    """A blinker signal whose receivers run in the order they were connected.

    Plain blinker keeps receiver ids in a set, so its call order is
    arbitrary; here it follows `create_app`'s domain order (lowest layer
    first), which keeps deletion and the menus deterministic.
    """

    def receivers_for(self, sender):
        order = {receiver_id: index for index, receiver_id in enumerate(self.receivers)}
        yield from sorted(super().receivers_for(sender),
                          key=lambda receiver: order.get(make_id(receiver), len(order)))


def _signal(name: str, doc: str) -> OrderedSignal:
    return OrderedSignal(name, doc=doc)


account_deleting = _signal("account-deleting", doc="""
An account is being deleted (注销) and every row of it must go.

Sender: the `Account` being deleted, still in the session. Receivers delete
their own rows of that person (or unlink rows other people keep) before the
account row itself is removed; they flush, never commit.
""")

subject_export = _signal("subject-export", doc="""
A person downloads everything the platform holds about them (PIPL art. 45).

Sender: the `Account`, asking for its own copy. Each domain that keeps rows
about that person returns `(section_key, data)`: its own section, `data`
JSON-serialisable (times and dates as ISO 8601 strings, lists in a fixed
order). Values are the person's own, unmasked; secrets never appear (code
hashes, session tokens, face templates, photo bytes: the section says that
one is held). A domain with nothing about the person returns None. Receivers
only read.
""")

subject_export_readable = _signal("subject-export-readable", doc="""
The page of a person's export is being shown, in the reader's language.

Sender: the `Account`; keyword `sections`: the export's sections by key, as
`subject_export` answered them. The domain that answered a section returns it
as a `registry.accounts.export.ReadableSection` (every code in words), or None
when its section is absent.
""")

consent_signing = _signal("consent-signing", doc="""
A worker is about to sign the authorization letter.

Sender: the signing `Account`. A receiver refuses by raising `DomainError`
(the workers domain requires a verified identity first); nothing is written
until every receiver has passed.
""")

consent_signed = _signal("consent-signed", doc="""
A worker signed the authorization letter.

Sender: the `Account`; keyword `consent`: the new `SignedConsent`.
""")

consent_revoked = _signal("consent-revoked", doc="""
A worker withdrew a signed authorization.

Sender: the `Account`; keyword `consent`: the withdrawn `SignedConsent`.
Whoever shows the worker's data must stop doing so from this transaction on.
""")

worker_standing_ended = _signal("worker-standing-ended", doc="""
A worker's standing on the platform ended: departed (30 days without a check-in), certificate revoked
by the platform, or barred. Whatever another person was allowed to see because of that standing ends now.

Sender: the worker's `Account`; keyword `reason`: "departed", "certificate_revoked" or "barred".
""")

next_step = _signal("next-step", doc="""
What a signed-in person should do next, if anything is unfinished (a worker's registration step).

Sender: the `Account`. A receiver returns (url, words) or None. Registration lands there, and every
refusal page offers it as the way on.
""")

enterprise_active_workers = _signal("enterprise-active-workers", doc="""
How many active, confirmed workers an enterprise has, for its public page.

Sender: the `Enterprise`. Each receiver returns a count; the enterprises
domain adds them up and shows nothing when no domain answers.
""")

worker_status_concerns = _signal("worker-status-concerns", doc="""
What other domains hold against a worker's status code (安心码) right now.

Sender: the worker's account id (int). Each receiver returns a list of
(colour, reason, words): colour "yellow" or "red", reason a code, words the
reason in the reader's language (open complaints: yellow; a ban: red). The
workers domain adds them to its own rules; households see only that the
reason is about the service, never its words.
""")

menu_items = _signal("menu-items", doc="""
Collect the entries of the app's menus.

Sender: the app. Each receiver returns a list of `registry.web.home.MenuItem`
(home-page tiles and personal-center links, each limited to some roles).
Connected once per app in the domain's `init_app`.
""")

demo_seeding = _signal("demo-seeding", doc="""
`flask demo seed` is adding clearly marked demo content.

Sender: the app. Each receiver adds its domain's demo rows (idempotently)
and returns one line to print; the command commits once at the end.
""")

demo_accounts = _signal("demo-accounts", doc="""
Collect the fixed demo accounts `flask demo seed` creates, for the development home page.

Sender: the app. Each receiver returns a list of `registry.web.demo.DemoAccount`
(phone, role and stage) for the accounts its `demo_seeding` receiver makes.
Asked only outside production; receivers only read constants.
""")

readiness_checks = _signal("readiness-checks", doc="""
Collect the checks of `/readyz` that belong to a domain (the job queue answers).

Sender: the app. Each receiver returns a dict of check name -> bool; a
receiver that raises counts as a failed check named after nothing (the
probe answers 503).
""")
