"""The screens of `kctl ui`, one small class per module."""
