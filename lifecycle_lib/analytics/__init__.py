"""The analytics layer: relationship stages, behaviour types, frameworks, RFM, cohorts, funnels and
the CLV models. Imports only the data layer and below.
"""
