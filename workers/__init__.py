"""Domestic workers (家政服务员): registration (enterprises, identity, authorization),
profile, monthly check-in and departure, and the QR credit certificate.

One blueprint (`workers.views.bp`) carries the pages of every sub-package;
the modules imported here add their routes to it.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from registry.core import signals
from registry.web.home import ACCOUNT, HOME, MenuItem
from workers import demo, export, services, views
from workers.attendance import jobs as attendance_jobs
from workers.attendance import views as attendance_views
from workers.certificates import hotpath
from workers.certificates import jobs as certificate_jobs
from workers.certificates import services as certificates
from workers.certificates import views as certificate_views
from workers.identity import services as identity
from workers.identity import station_views
from workers.identity import views as identity_views
from workers.profile import services as profile
from workers.profile import views as profile_views
from workers.records import jobs as records_jobs
from workers.records import services as records
from workers.records import views as records_views
from workers.roster import views as roster_views

# Imported for their routes on views.bp (and attendance_jobs for its job kinds and schedule).
__all__ = ["attendance_jobs", "attendance_views", "certificate_jobs", "certificate_views", "identity_views", "init_app",
           "profile_views", "records_jobs", "records_views", "roster_views", "station_views"]


def init_app(app: Flask) -> None:
    """The pages and API of every sub-package, the menus, the receivers of other domains' events, the demo workers."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.enterprise_active_workers.connect(services.count_active_affiliated)
    signals.consent_signing.connect(services.require_verified_identity)
    signals.consent_signed.connect(services.complete_registration)
    signals.consent_revoked.connect(services.withdraw_authorization)
    # The published certificate status lists follow every change of standing.
    for signal in (signals.consent_signed, signals.consent_revoked, signals.worker_standing_ended):
        signal.connect(certificates.on_standing_changed)
    signals.next_step.connect(views.registration_next_step)
    for receiver in (certificates.delete_certificates, profile.delete_profile, records.delete_records,
                     services.delete_worker_data,
                     identity.delete_identity_data):
        signals.account_deleting.connect(receiver)
    signals.subject_export.connect(export.export_worker)
    signals.subject_export_readable.connect(export.readable_worker)
    signals.demo_seeding.connect(demo.seed_demo_workers)
    signals.demo_accounts.connect(demo.demo_accounts)
    hotpath.install(app)


def menu_items(_app) -> list[MenuItem]:
    return [
        MenuItem(HOME, "workers.home", lambda: _("Worker services"),
                 lambda: _("Profile, check-in and your enterprises"), roles=("worker",), key="workers"),
        MenuItem(HOME, "workers.roster_page", lambda: _("Enterprise workers"),
                 lambda: _("Confirm workers, see check-ins"), roles=("enterprise_staff",), key="enterprise-roster"),
        MenuItem(ACCOUNT, "workers.home", lambda: _("Worker services"), roles=("worker",)),
        MenuItem(ACCOUNT, "workers.review_queue", lambda: _("Identity reviews"), roles=("admin",)),
        MenuItem(ACCOUNT, "workers.stations_page", lambda: _("Reader stations"), roles=("admin",)),
        MenuItem(ACCOUNT, "workers.certificate_page", lambda: _("Credit certificate"), roles=("worker",)),
        MenuItem(ACCOUNT, "workers.records_page", lambda: _("Health, insurance and training records"),
                 roles=("worker",)),
        MenuItem(ACCOUNT, "workers.verification_page", lambda: _("Records to verify"),
                 roles=("enterprise_staff", "admin")),
    ]
