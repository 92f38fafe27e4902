const apiKey = process.env.API_KEY;
const secret = process.env.SESSION_SECRET || "";
const tokenHeader = "x-api-token";
module.exports = { password: process.env.DB_PASSWORD, apiKey };
