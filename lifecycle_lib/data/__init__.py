"""The data layer: table contracts, readers of users' files and shop exports, the sample data and its
simulator. Imports only :mod:`lifecycle_lib.errors` and :mod:`lifecycle_lib._util`.
"""
