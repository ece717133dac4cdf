"""The answer step: from the top passages to one quoted, highlighted sentence — or silence.

``ask`` (the pipeline) -> ``sentences`` (candidates and their features) -> ``model``
(trained scorers) -> ``choose`` (pick or withhold, cut the quote) -> ``highlight`` (the
answer span, over ``span_features``).
"""
