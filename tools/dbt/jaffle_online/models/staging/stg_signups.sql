-- depends_on: {{ ref('raw_signups_training') }}, {{ ref('raw_signups_validation') }}
select
    id as signup_id,
    user_id,
    user_email,
    hashed_password,
    cast(signup_date as timestamp) as signed_up_at
from {{ raw('signups') }}
