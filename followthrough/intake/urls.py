"""The email channel's pages, under /mail/."""

from django.urls import path

from followthrough.intake import views

urlpatterns = [
    path("mail/", views.mail_log, name="mail_log"),
    path("mail/messages/<int:message_id>/", views.mail_message, name="mail_message"),
    path(
        "mail/messages/<int:message_id>/retry/",
        views.mail_message_retry,
        name="mail_message_retry",
    ),
    path(
        "mail/messages/<int:message_id>/release/",
        views.mail_message_release,
        name="mail_message_release",
    ),
    path(
        "mail/messages/<int:message_id>/discard/",
        views.mail_message_discard,
        name="mail_message_discard",
    ),
    path(
        "mail/messages/<int:message_id>/original/",
        views.mail_message_original,
        name="mail_message_original",
    ),
    path("mail/attachments/<int:attachment_id>/", views.mail_attachment, name="mail_attachment"),
    path("mail/cases/<int:case_id>/panel/", views.case_mail_panel, name="case_mail_panel"),
    path("mail/settings/", views.mail_settings, name="mail_settings"),
]
