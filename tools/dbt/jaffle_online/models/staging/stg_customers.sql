-- depends_on: {{ ref('raw_customers_training') }}, {{ ref('raw_customers_validation') }}
select
    id as customer_id,
    nullif(trim(first_name), '') as first_name,
    last_name
from {{ raw('customers') }}
