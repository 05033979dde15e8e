from django.urls import path

from followthrough.accounts.views import SignInView, SignOutView

urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
]
