from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "followthrough.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from followthrough.cases.tasks import deadlines_scan_task
        from followthrough.core.schedule import Periodic, register_periodic

        register_periodic(
            Periodic(
                name="deadlines",
                task=deadlines_scan_task,
                interval_setting="FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS",
                description="Deadline scan",
            )
        )
