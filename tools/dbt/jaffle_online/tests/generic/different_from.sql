{% test different_from(model, column_name, other) %}
select * from {{ model }} where {{ column_name }} = {{ other }}
{% endtest %}
