from django.urls import path

from followthrough.accounts import views
from followthrough.accounts.views import SignInView, SignOutView

urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/create/", views.create_api_token, name="api_token_create"),
    path(
        "account/tokens/integrations/create/",
        views.create_integration_token,
        name="integration_token_create",
    ),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_api_token, name="api_token_revoke"),
]
