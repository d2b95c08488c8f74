{#- numerator / denominator rounded half away from zero to the cent, identical on every engine.
    For a money numerator (at most two decimals) and a positive whole-number denominator (e.g.
    cost per MQL). A plain cast of the quotient differs between engines at half cents: DuckDB
    divides in double precision (20574.065 is stored as 20574.06499...), Spark in decimal.
    Here the quotient in cents is floor((2 x cents + d) / 2d), exact in double precision for
    any realistic amount, and the cents are turned back into a decimal by multiplication. -#}
{% macro divide_to_cents(numerator, denominator) -%}
    cast(
        case when {{ numerator }} < 0 then -1 else 1 end
        * cast(
            floor(
                cast(2 * abs(cast({{ numerator }} * 100 as bigint)) + {{ denominator }} as double)
                / cast(2 * {{ denominator }} as double)
            ) as decimal(18, 0)
        )
        * 0.01
        as decimal(18, 2)
    )
{%- endmacro %}
