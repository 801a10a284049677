"""Open311 GeoReport v2 at /open311/v2/: plain Django views, because the spec fixes its own
error format and the .json/.xml suffixes."""

app_name = "open311"
urlpatterns = []
