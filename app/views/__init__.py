"""The Qt user interface. Only this package imports Qt (through ``app.views.qt``)."""
