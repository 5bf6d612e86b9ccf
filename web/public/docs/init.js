// Swagger UI, from swagger-ui-dist on this server's disk, rendering this server's own document.
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', tryItOutEnabled: true, persistAuthorization: false, validatorUrl: null });
