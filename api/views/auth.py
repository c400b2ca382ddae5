"""Sign-in endpoints: request a code, verify it for a token (and a session), who am I, sign out."""

from django.conf import settings
from django.contrib.auth import login, logout
from drf_spectacular.utils import extend_schema, OpenApiResponse
from knox.models import AuthToken
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from api.problems import problem_responses
from api.serializers.auth import (
    IdentitySerializer,
    SignInCodeRequestedSerializer,
    SignInCodeRequestSerializer,
    SignInTokenSerializer,
    SignInVerifySerializer,
)
from config.throttles import SignInCodeRequestThrottle, SignInVerifyThrottle

TAG = "Sign-in"


class SignInCodeView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInCodeRequestThrottle]

    @extend_schema(
        tags=[TAG], operation_id="auth_code_request", request=SignInCodeRequestSerializer,
        summary="Send a sign-in code to a patient's phone or email",
        description="Always answers 202 with the same body, whether or not the phone or email belongs to a "
                    "patient: only a patient's destination gets a message. The code is single-use and expires "
                    "within 10 minutes.",
        responses={202: SignInCodeRequestedSerializer, **problem_responses(
            400, 429, description_429="Too many codes for this destination in the hour, or from this address.")},
    )
    def post(self, request):
        serializer = SignInCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.sign_in_code_request(destination=serializer.validated_data["destination"])
        minutes = settings.OTP_TTL_SECONDS // 60
        body = {
            "detail": f"If this belongs to a Clearday patient, a sign-in code is on its way. "
                      f"It expires in {minutes} minutes.",
            "expires_in_seconds": settings.OTP_TTL_SECONDS,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class SignInVerifyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInVerifyThrottle]

    @extend_schema(
        tags=[TAG], operation_id="auth_code_verify", request=SignInVerifySerializer,
        summary="Exchange a sign-in code for an API token (and a session when asked)",
        description="An unknown destination, a wrong code and an expired or used code all get the same 400 "
                    "`invalid_code`; after too many wrong tries the code is locked (`code_locked`). With "
                    "`session: true` the CSRF token is checked and a browser session starts as well.",
        responses={200: SignInTokenSerializer, **problem_responses(
            400, 403, 429, description_403="`session: true` without a valid CSRF token.")},
    )
    def post(self, request):
        serializer = SignInVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["session"]:
            SessionAuthentication().enforce_csrf(request)
        user = services.sign_in_code_verify(destination=data["destination"], code=data["code"])
        token, text = services.api_token_issue(user=user)
        if data["session"]:
            login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        body = {
            "token": text,
            "expires_at": token.expiry,
            "user": selectors.identity_for(user=user),
        }
        return Response(SignInTokenSerializer(body).data)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], operation_id="me", summary="Who is signed in: role, and patient or staff id",
                   responses={200: IdentitySerializer, **problem_responses(401)})
    def get(self, request):
        return Response(IdentitySerializer(selectors.identity_for(user=request.user)).data)


class SignOutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], operation_id="auth_logout", request=None,
                   summary="Sign out this device: delete its API token and end the browser session",
                   description="The user's other devices stay signed in; `POST /api/v1/auth/logout-all` signs "
                               "them all out.",
                   responses={204: OpenApiResponse(description="Signed out."), **problem_responses(401, 403)})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            services.api_token_revoke(token=request.auth)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], operation_id="auth_logout_all", request=None,
                   summary="Sign out every device: delete all of this user's API tokens and end this session",
                   responses={204: OpenApiResponse(description="Signed out everywhere."),
                              **problem_responses(401, 403)})
    def post(self, request):
        services.api_tokens_revoke_all(user=request.user)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
