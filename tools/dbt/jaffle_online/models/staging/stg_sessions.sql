-- The website and app sessions as one table.
select session_id, customer_id, cast(started_at as timestamp) as started_at, cast(ended_at as timestamp) as ended_at,
       utm_source, ad_id, 'website' as platform
from {{ ref('stg_website_sessions') }}
union all
select session_id, customer_id, cast(started_at as timestamp) as started_at, cast(ended_at as timestamp) as ended_at,
       utm_source, ad_id, 'app' as platform
from {{ ref('stg_app_sessions') }}
