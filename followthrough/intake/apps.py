from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "followthrough.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from followthrough.cases.signals import notifications_created, public_note_added
        from followthrough.core.schedule import Periodic, register_periodic
        from followthrough.intake import receivers
        from followthrough.intake.tasks import mail_poll_task

        public_note_added.connect(receivers.on_public_note_added, dispatch_uid="intake-reply")
        notifications_created.connect(
            receivers.on_notifications_created, dispatch_uid="intake-notification-mail"
        )
        register_periodic(
            Periodic(
                name="mail",
                task=mail_poll_task,
                interval_setting="FOLLOWTHROUGH_MAIL_POLL_SECONDS",
                description="Mail poll and sweep",
            )
        )
