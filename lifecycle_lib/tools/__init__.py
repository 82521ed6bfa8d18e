"""The course's tools behind the ``lifecycle`` command: exercise build, assign, grade, the site
(render, navigation, hygiene) and the own-data report.
"""
