"""A minimal Django project serving django-helpdesk 2.6.1, set up as its documentation says."""
