{#- Fails for every combination of the columns held by more than one row: the grain of a model
    keyed by several columns. Unlike `unique` on the concatenated columns, a row with a null in
    one of them is checked too (nulls compare as equal here), and no string is built per row. -#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
